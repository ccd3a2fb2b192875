#!/usr/bin/env node
require('./run-built')('infra/cli/ledgerctl/main.js');
