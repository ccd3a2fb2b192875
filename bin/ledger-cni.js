#!/usr/bin/env node
require('./run-built')('cni/main.js');
