"""Meeting briefs: one page on a person or an office, as a page to print and as a PDF."""
