"""Open311 GeoReport v2: the topic tree as services, requests posted by keyed clients through the
single intake, and the public view of those requests (status, never the applicant's contacts).

By what each part serves: ``errors`` (the specification's error answer), ``keys`` (the clients'
API keys and their rate limit), ``catalog`` (the service list, a service's definition and the
discovery document), ``posting`` (reading and checking a posted request, then registering it),
``listing`` (the requests as the specification shows them, and their filters).
"""
