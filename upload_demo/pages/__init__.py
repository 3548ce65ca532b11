"""One module per page; each holds that page's State."""
