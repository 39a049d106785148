"""The survivor portal: public, no account, quick exit on every page."""
