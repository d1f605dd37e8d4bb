"""Member accounts on the local stack: their spoke roles in moto (members.py), and the local STS
that checks what moto does not (sts_gate.py, with trust_policy.py)."""
