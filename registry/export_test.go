package registry

// DecodeStored is decodeStored, for tests.
var DecodeStored = decodeStored
