"""Jobs that run once a day across every running instance (the retention purge, audit-log retention).

Each instance checks every few minutes; the first to claim a job's day in the database runs it, the
others see the claim and do nothing. A server that never restarts still purges every day, and a cluster
purges once per day whichever instances are alive.
"""
