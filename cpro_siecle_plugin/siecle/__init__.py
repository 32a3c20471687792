"""siecle layer."""
