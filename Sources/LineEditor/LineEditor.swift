// The libedit wrapper; see docs/architecture.md.
