"""target-dokus: load Singer streams into Dokus customers, products and draft invoices."""
