"""Evidence: vault (content-addressed, encrypted), custody log, web capture, bundles, verifier."""
