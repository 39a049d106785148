"""What crosses services, one module a flow, readable top to bottom."""
