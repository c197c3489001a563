"""Pure functions from querysets to export documents, shared by the export views and the
management commands, so that both produce the same document: one module per format, all
reading events through ``rows``."""
