"""Recording fakes of the providers, served on loopback for the real SDKs to talk to."""
