// Protocol decoding view: placeholder, filled in by the decode view work.
