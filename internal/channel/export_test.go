package channel

import "time"

// SetClock makes c read the time from now (the account cache's TTL).
func SetClock(c *Connections, now func() time.Time) { c.now = now }
