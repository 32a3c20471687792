"""Every French text of the web shell that is not in a template, in one place.

Templates hold their own page texts; menu names, flash messages and errors raised by the
views live here, so a translation only has to look at this module and the templates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

#: Menu category under which the plugin mounts its pages.
CATEGORY = "Importation SIECLE"

#: Menu entries, in menu order (teachers always first).
MENU = {
    "sts": "Importation des enseignants",
    "students": "Importation des apprenants et de leurs responsables légaux",
    "history": "Historique des importations",
    "logins": "Identifiants",
    "sheets": "Fichiers hors SIECLE",
}

#: Labels of form fields and buttons.
LABELS = {
    "sts": "Export STS-web « sts_emp_RNE_année » (.xml ou .zip)",
    "eleves": "Export des élèves « ElevesSansAdresses » (.xml ou .zip)",
    "responsables": "Export des responsables « ResponsablesAvecAdresses » (.xml ou .zip)",
    "analyse": "Analyse du fichier",
    "force": "Forcer l'importation malgré le frein de sécurité",
    "new_school": "Nouvel établissement : je confirme que ces fichiers sont ceux d'un "
                  "établissement jamais importé sur cette plateforme",
    "older": "Forcer : importer un fichier plus ancien que le dernier importé (année scolaire "
             "ou date d'export antérieure)",
    "import": "Importer les fichiers",
    "reset": "Réinitialiser le mot de passe",
    "unlock": "Lever le verrou",
    "unlock_confirm": "Je confirme que cette importation est arrêtée",
    "sheets": "Tableaux de l'établissement (un classeur .xlsx, ou les fichiers .csv)",
    "uaj": "Établissement (UAJ)",
    "source": "Nouvelle source des fichiers",
    "source_confirm": "Je confirme le changement de source de cet établissement",
    "source_submit": "Changer la source",
}

#: French names of the plan's action kinds, for the preview and the report.
ACTION_LABELS = {
    "create_cohort": "Classes et groupes à créer",
    "create_user": "Comptes à créer",
    "reactivate_user": "Comptes à réactiver",
    "change_function": "Changements de fonction",
    "remove_member": "Inscriptions à retirer (classes et groupes)",
    "add_member": "Inscriptions à ajouter (classes et groupes)",
    "unlink_guardian": "Liens responsable–élève à retirer",
    "link_guardian": "Liens responsable–élève à créer",
    "deactivate_user": "Comptes à désactiver",
    "suspend_user": "Comptes à suspendre",
    "delete_user": "Comptes à supprimer",
}

#: Same, once done (history of the imports).
DONE_LABELS = {
    "create_cohort": "Classes et groupes créés",
    "create_user": "Comptes créés",
    "reactivate_user": "Comptes réactivés",
    "change_function": "Changements de fonction",
    "remove_member": "Inscriptions retirées (classes et groupes)",
    "add_member": "Inscriptions ajoutées (classes et groupes)",
    "unlink_guardian": "Liens responsable–élève retirés",
    "link_guardian": "Liens responsable–élève créés",
    "deactivate_user": "Comptes désactivés",
    "suspend_user": "Comptes suspendus",
    "delete_user": "Comptes supprimés",
    "failed": "Échecs",
}

#: French names of the account hosts (``HostAdapter.name``), shown on the pages.
HOST_LABELS = {
    "embedded": "plateforme intégrée",
    "moodle": "Moodle",
}

#: One person's function, singular (« Fonction » column of the staff logins).
FUNCTION_LABELS = {
    "teacher": "enseignant",
    "head": "personnel de direction",
    "staff": "autre personnel",
    "student": "élève",
    "guardian": "responsable légal",
}

#: Titles of the error pages (HTTP status → French title).
ERROR_TITLES = {
    400: "Requête refusée",
    403: "Accès refusé",
    404: "Page introuvable",
    503: "Registre des importations indisponible",
}

MESSAGES: dict[str, str] = {
    "forbidden": "Accès réservé aux administrateurs de la plateforme.",
    "no_file": "Aucun fichier reçu : choisissez au moins un fichier.",
    "bad_extension": "seuls les fichiers .xml et .zip sont acceptés.",
    "bad_sheet_extension": "seuls les tableaux .xlsx et .csv sont acceptés ici (les exports "
                           "SIECLE .xml et .zip se déposent dans les autres pages).",
    "source_changed": "Établissement {uaj} : source changée en « {label} ». Les prochaines "
                      "importations n'accepteront que ces fichiers-là.",
    "source_unconfirmed": "Cochez la case de confirmation pour changer la source.",
    "wrong_slot": "ce fichier contient l'{found}, alors qu'on attend ici l'{needed}.",
    "too_large": "Fichier trop volumineux : la taille maximale acceptée est de {limit} Mo.",
    "plan_unknown": "Cet aperçu n'existe plus. Relancez l'analyse des fichiers.",
    "job_unknown": "Cette importation n'est plus suivie (le serveur a redémarré ?). "
    "Consultez l'historique des importations.",
    "job_started": "Importation lancée.",
    "import_failed": "L'importation a échoué : {error}",
    "run_unknown": "Importation introuvable dans l'historique.",
    "class_unknown": "Aucun compte de la classe « {code} » dans cette importation.",
    "school_unknown": "Établissement inconnu.",
    "account_unknown": "Compte inconnu : impossible de réinitialiser son mot de passe.",
    "person_unknown": "Compte inconnu : impossible de réinitialiser son mot de passe.",
    "password_reset": "Mot de passe réinitialisé pour {name} : « {password} » "
    "(changement obligatoire à la prochaine connexion).",
    "password_new": "Nouveau mot de passe de {name} : « {password} ». Il n'est affiché qu'une "
    "fois : notez-le et remettez-le à la personne, qui devra le changer à sa prochaine connexion.",
    "host_error": "La plateforme n'a pas répondu comme prévu : {error}",
    "form_invalid": "Formulaire incomplet ou expiré : rechargez la page et recommencez.",
    "unlocked": "Verrou d'importation de l'établissement {uaj} levé. Relancez la même "
    "importation (mêmes fichiers) pour la reprendre là où elle s'est arrêtée.",
    "no_lock": "Aucun verrou d'importation pour l'établissement {uaj}.",
    "unlock_confirm": "Cochez la case de confirmation pour lever le verrou.",
    "resumed": "Reprise de l'importation interrompue faite avec ces mêmes fichiers (plan n° "
    "{plan_id}) : ce qui est déjà fait n'est pas refait, le rapport final couvrira tout.",
}


def lock_text(lock: Any, when: Callable[[datetime], str]) -> str:
    """One import lock (a ``store.locks.LockRecord``) in French: who, since when, where, and
    whether it is still alive; ``when`` writes a ledger time."""
    where = f", {lock.where}" if lock.where else ""
    state = ("abandonné (plus aucun signe de vie de l'importation) : il peut être levé"
             if lock.stale else f"actif (dernier signe de vie il y a {lock.age()} s) : "
             "l'importation tourne encore")
    return (f"Établissement {lock.uaj} : verrou pris par {lock.holder}{where} le "
            f"{when(lock.since)} ; {state}.")


def msg(key: str, **values: object) -> str:
    """The French text ``key``, formatted with ``values``.

    :param key: a key of :data:`MESSAGES`.
    :returns: the formatted message.
    """
    return MESSAGES[key].format(**values)
