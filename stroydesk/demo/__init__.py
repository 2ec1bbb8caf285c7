"""The demo: accounts for every role and requests in every state (``manage.py demo_data``), then
each app's own ``<app>/demo.py`` hook. Top of the layers: it may call any app's services."""
