"""System status: health, worker heartbeat, queue depth, backends."""
