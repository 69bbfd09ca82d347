"""One module per public function of madlc (madlc/__init__.py API): finds, reads and writes files, resolves settings, calls core/nn."""
