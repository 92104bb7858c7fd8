"""Jobs: ``NexusJob`` (a state machine over its backend's transport) and ``NexusCompositeJob``."""
