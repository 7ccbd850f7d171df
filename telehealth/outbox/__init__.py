"""The transactional outbox: deliveries to other systems that survive crashes and outages."""
