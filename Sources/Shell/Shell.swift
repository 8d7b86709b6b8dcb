// The kvsh command language; see docs/language.md.
