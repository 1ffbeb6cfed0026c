// Package stats holds the statistics mlre's model monitors use: drift
// distances and two-sample tests. It is a pure package: no I/O, no globals.
// Every function matches a reference implementation (scipy, unless said
// otherwise) and is checked against values recorded under testdata/.
package stats
