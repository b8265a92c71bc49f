"""Order pages: the list and detail (`browse.py`), the clone page and metrics (`clone.py`) and the Order rules
tab (`rules.py`). Every view is an `account_view`."""
