"""What the HTTP API and the web pages share: request dependencies (the runtime, the
signed-in person, a work stream key) and the one mapping of errors to status codes and
RFC 9457 problem details. Neither entry point imports the other."""
