"""The programme's web pages: thin views over `services`, `selectors` and `selectors_views`."""
