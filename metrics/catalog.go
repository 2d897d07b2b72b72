package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CountFunc returns the number of items of each dataset, by name.
type CountFunc func() (map[string]int, error)

// catalogCollector reports the datasets and their items. Counting items
// scans the catalog's keys, so a count is reused for countTTL.
type catalogCollector struct {
	count    CountFunc
	datasets *prometheus.Desc
	items    *prometheus.Desc

	mu     sync.Mutex // protects the fields below
	last   map[string]int
	lastAt time.Time
}

// countTTL is how long an item count is reused.
const countTTL = 15 * time.Second

// SetCatalog registers the dlfs_datasets and dlfs_items{dataset} gauges,
// read through count at most every 15 s. Call it once.
func (m *Metrics) SetCatalog(count CountFunc) {
	c := &catalogCollector{count: count,
		datasets: prometheus.NewDesc("dlfs_datasets", "Datasets in the store.", nil, nil),
		items: prometheus.NewDesc("dlfs_items", "Items in a dataset of the store.",
			[]string{"dataset"}, nil),
	}
	m.mu.Lock()
	m.cat = c
	m.mu.Unlock()
	m.reg.MustRegister(c)
}

// Describe sends the descriptors of the gauges.
func (c *catalogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.datasets
	ch <- c.items
}

// Collect sends the gauges, counting again when the last count is old.
func (c *catalogCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if c.last == nil || time.Since(c.lastAt) > countTTL {
		if n, err := c.count(); err == nil {
			c.last, c.lastAt = n, time.Now()
		}
	}
	counts := c.last
	c.mu.Unlock()
	if counts == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.datasets, prometheus.GaugeValue, float64(len(counts)))
	for _, name := range sortedKeys(counts) {
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.GaugeValue,
			float64(counts[name]), name)
	}
}

// Recount makes the next scrape count the items again (after an import).
func (m *Metrics) Recount() {
	m.mu.Lock()
	c := m.cat
	m.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	c.lastAt = time.Time{}
	c.mu.Unlock()
}
