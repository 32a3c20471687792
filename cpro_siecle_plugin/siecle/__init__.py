"""Reading the STS-web and SIECLE exports: intake, hardened XML, readers and analysis.

Pure layer: no clock (``today`` is a parameter), no network, no database. Only
:mod:`._xml` imports lxml.
"""

from .analyse import Analysis, analyse_files
from .archive import InputFile, XmlSource, read_sources
from .eleves import read_eleves
from .responsables import read_responsables
from .sts import read_sts

__all__ = [
    "Analysis",
    "InputFile",
    "XmlSource",
    "analyse_files",
    "read_eleves",
    "read_responsables",
    "read_sources",
    "read_sts",
]
