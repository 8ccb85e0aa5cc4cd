"""tap-directo: Singer tap for the Directo ERP REST API."""
