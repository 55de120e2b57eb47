/** JMH benchmarks and the load harness; never on the production classpath. */
package io.mtlsproxy.perf;
