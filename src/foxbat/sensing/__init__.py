"""Sensing: scan-by-scan looks of ground and airborne radars at aircraft."""
