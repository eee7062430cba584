"""What more than one test module needs; conftest.py files hold fixtures only.

- waiting: wait_until (async) and eventually (sync), polls that fail with what they awaited
- complaints: insert_complaint (as intake stores one), tracking_code
- http: asgi_client (an app in-process), serve (an app on a real port), assert_problem
- samples: files to upload (png, PDF, EXE, HTML)
- browser: headless Chromium and axe-core's verdict
- yaml_tree: walking a parsed YAML document for property tests
- open311: the specification's example report and Open311 helpers
- desk: staff headers the desk accepts
- lifecycle: ComplaintLifecycle on the time-skipping server (Complaint, Lifecycles)
- scenarios: the lifecycle paths whose histories tests/replay replays
- notification: stand-in SMTP, Ombudsman and providers; lifecycle transitions written as the
  workflow writes them; a sentinel proving the consumer has moved on
- fuzz: schemathesis settings, checks and schemas
- stack: the whole stack as `aduan run` starts it (e2e and faults)
- faults: the stack and the means to hurt it; stream: complaints posted and acknowledged
  under faults; invariants: what must hold after any fault
- nats_cluster: the three-node NATS cluster of deploy/nats/ and its stream's leader
- replicas: a second copy of every replicated process beside the stack's, and each
  replica's share of the work
"""
