package config

import monitoring "globalstack/components/monitoring/settings"

// MonitoringConfig is globalstack:monitoring (alert addresses and alarm thresholds), defined,
// preset and validated by the monitoring component's settings package.
type MonitoringConfig = monitoring.Settings

// monitoringPreset returns the monitoring defaults of a sizing.
func monitoringPreset(s Sizing) MonitoringConfig {
	if s == SizingDev {
		return monitoring.Dev
	}
	return monitoring.Prod
}

// loadMonitoring reads globalstack:monitoring over the sizing's preset and validates it.
func (r *reader) loadMonitoring(c *Cell) {
	c.Monitoring = monitoringPreset(c.Sizing)
	r.Section("monitoring", &c.Monitoring)
	r.p.Add(c.Monitoring.Validate(Key("monitoring")))
}
