"""Developer commands run by the Makefile."""
