"""Issued documents (签发文书): a decision letter, a refusal notice or a receipt rendered once, when it is
issued, to HTML and PDF and stored with the PDF's sha256, so that every later print shows what was issued."""
