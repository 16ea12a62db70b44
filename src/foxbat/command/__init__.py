"""Command: airspace, ground-controlled interception, interceptor flights."""
