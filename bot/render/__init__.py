"""Files gopy produces: QR codes, posters, tables."""
