/**
 * Names that are own or inherited members of `Object.prototype`: as operation, fragment,
 * variable, alias or argument names they must behave like any other name.
 */
export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  'prototype',
];
