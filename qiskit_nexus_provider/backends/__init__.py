"""Backends: offline simulators on qiskit-aer and remote Nexus devices."""
