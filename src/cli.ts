#!/usr/bin/env node
console.log('leakscan: under construction');
