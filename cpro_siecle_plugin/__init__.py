"""cpro_siecle_plugin: keep a Moodle-style LMS in step with SIECLE and STS-web exports."""

__version__ = "0.1.0"

__all__ = ["__version__"]
