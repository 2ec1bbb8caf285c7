"""Shared web plumbing of every app: the role gate, form steps, paging and the API's errors.

One rule for what a user may not reach: an object they may not know exists answers 404 (the
selectors' ``…_get_for`` raise ``Http404``); a page or action of another role answers 403.
"""
