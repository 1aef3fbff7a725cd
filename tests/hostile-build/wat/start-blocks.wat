;; A collector whose core start function waits an hour on a wasi:clocks pollable: it blocks
;; during instantiation, before any export can be called. The exports only have the
;; contract's names, which is all instantiation looks at.
(component
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow 0))))
  ))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (alias outer 1 $pollable (type))
    (export "pollable" (type (eq 0)))
    (export "subscribe-duration" (func (param "when" u64) (result (own 1))))
  ))
  (core func $subscribe (canon lower (func $clock "subscribe-duration")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core module $m
    (import "host" "subscribe" (func $subscribe (param i64) (result i32)))
    (import "host" "block" (func $block (param i32)))
    (func $start
      (call $block (call $subscribe (i64.const 3600000000000))))
    (start $start)
    (func (export "f")))
  (core instance $host (export "subscribe" (func $subscribe)) (export "block" (func $block)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (func $f (canon lift (core func $i "f")))
  (instance $plugin
    (export "describe" (func $f))
    (export "plan" (func $f))
    (export "check" (func $f))
    (export "collect" (func $f)))
  (export "itam:collector/plugin@0.1.0" (instance $plugin))
)
