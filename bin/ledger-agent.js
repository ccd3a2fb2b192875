#!/usr/bin/env node
require('./run-built')('node-agent/main.js');
