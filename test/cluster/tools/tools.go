//go:build tools

// Package tools pins kwok (fake nodes) and Flux's source and kustomize controllers for the cluster suite.
package tools

import (
	_ "github.com/fluxcd/kustomize-controller"
	_ "github.com/fluxcd/source-controller"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
