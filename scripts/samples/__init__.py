"""Sample documents as Markdown files and one renderer per output format (PDF, DOCX)."""
