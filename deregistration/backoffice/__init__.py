"""The back-office: the Django admin pages where operators, migration officers and supervisors work.

- ``queue``: the list of cases, one's own queue first, the oldest deadline first;
- ``case``: a case's page and its actions (complete, reject, issue and print the slip);
- ``registry``: the ХҚТ ТП АЖ records and the departure slips;
- ``dashboard``, ``charts``: the supervisor's dashboard, its charts drawn as SVG on the server;
- ``forms``: the forms, whose errors come from the services.

Lists never count millions of rows (``citizens.admin_lists``); reads are audited and raw writes refused
(``citizens.admin_base``).

A page parses, calls a service or a selector, and presents: no rule of the service lives here.
"""
