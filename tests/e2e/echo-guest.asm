; echo-guest.asm: a 512-byte x86 boot sector for Hangar's end-to-end console tests.
;
; Copyright 2026 The Hangar authors
; SPDX-License-Identifier: GPL-3.0-or-later
;
; Paints the VGA text screen (so a console shows a known, non-black picture), writes "READY" to
; the first serial port (COM1, 0x3F8), then echoes every byte the i8042 keyboard controller
; delivers as two upper-case hex digits and a newline on COM1. These are the raw scancodes of the
; physical keys (set 1, as the BIOS leaves the controller translating), make and break, with the
; E0 prefix as its own line: what the guest receives, whatever the client's keyboard layout.
;
; The BIOS keyboard handler (INT 9, IRQ 1) is replaced, so no byte is eaten by the BIOS; the CPU
; halts between interrupts, so the guest idles under TCG.
;
; Build: nasm -f bin -o echo-guest.img echo-guest.asm

bits 16
org 0x7c00

COM1      equ 0x3f8
KBD_DATA  equ 0x60
PIC1_CMD  equ 0x20

start:
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  cld

  ; COM1: 115200 baud, 8N1, FIFO on, no interrupts.
  mov dx, COM1 + 1
  xor al, al
  out dx, al            ; IER = 0
  mov dx, COM1 + 3
  mov al, 0x80
  out dx, al            ; DLAB on
  mov dx, COM1
  mov al, 1
  out dx, al            ; divisor low = 1
  inc dx
  xor al, al
  out dx, al            ; divisor high = 0
  mov dx, COM1 + 3
  mov al, 0x03
  out dx, al            ; 8N1, DLAB off
  dec dx
  mov al, 0xc7
  out dx, al            ; FIFO on and cleared
  mov dx, COM1 + 4
  mov al, 0x03
  out dx, al            ; DTR, RTS

  ; The screen: white on blue everywhere, a banner on the first line.
  mov ax, 0xb800
  mov es, ax
  xor di, di
  mov ax, 0x1f20        ; ' ' white on blue
  mov cx, 80 * 25
  rep stosw
  mov si, banner
  mov di, (80 * 12 + 10) * 2
  mov ah, 0x2f          ; white on green
.banner:
  lodsb
  test al, al
  jz .banner_done
  stosw
  jmp .banner
.banner_done:
  ; Hide the hardware cursor (CRTC cursor start register, bit 5).
  mov dx, 0x3d4
  mov ax, 0x200a
  out dx, ax

  ; INT 9 (IRQ 1) → our handler; make sure IRQ 1 is unmasked at the PIC.
  mov word [9 * 4], keyboard_irq
  mov word [9 * 4 + 2], 0
  in al, 0x21
  and al, 0xfd
  out 0x21, al

  mov si, ready
.ready:
  lodsb
  test al, al
  jz .idle
  call serial_putc
  jmp .ready

.idle:
  sti
  hlt
  jmp .idle

; IRQ 1: one byte from the controller → "XX\n" on COM1.
keyboard_irq:
  push ax
  push bx
  push dx
  in al, KBD_DATA
  mov ah, al
  shr al, 4
  call hex_digit
  mov al, ah
  and al, 0x0f
  call hex_digit
  mov al, 10
  call serial_putc
  mov al, 0x20
  out PIC1_CMD, al      ; end of interrupt
  pop dx
  pop bx
  pop ax
  iret

; AL = 0..15 → its hex digit on COM1.
hex_digit:
  add al, '0'
  cmp al, '9'
  jbe serial_putc
  add al, 'A' - '9' - 1
  ; fall through

; AL → COM1, waiting for the transmitter holding register to empty.
serial_putc:
  mov bl, al
  mov dx, COM1 + 5
.wait:
  in al, dx
  test al, 0x20
  jz .wait
  mov al, bl
  mov dx, COM1
  out dx, al
  ret

banner: db " Hangar echo guest: keys typed here go to COM1 as scancodes ", 0
ready:  db "READY", 10, 0

  times 510 - ($ - $$) db 0
  dw 0xaa55
