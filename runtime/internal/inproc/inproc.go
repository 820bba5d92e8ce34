// Package inproc is the seam through which package storage tells package
// runtime which handles never block: the handles of its in-process storages
// (Memory, Null). The runtime asks about each handle when it binds a
// circuit, so a circuit of an in-process storage gets no storage deadline
// however its storage was wrapped, and no wrapper can forget to say so: what
// counts is the handle Bind returned. Package storage sets Is in its init;
// nothing else writes it.
package inproc

// Is reports whether h, a storage.Handle, is a handle whose calls never
// block. It is false for every handle until package storage is initialised.
var Is = func(h any) bool { return false }
