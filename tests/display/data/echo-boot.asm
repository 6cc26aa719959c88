; echo-boot.asm: a boot sector that echoes every byte the PS/2 keyboard controller delivers
; (scancode set 1, as the BIOS leaves the i8042 translating) to COM1 as two hex digits and a
; newline. Used by tests/display/test-qemu.c to check which physical keys reached a guest.
;
; Copyright 2026 The Hangar authors
; SPDX-License-Identifier: GPL-3.0-or-later
;
; Build: nasm -f bin -o echo-boot.img echo-boot.asm   (the .img is committed)

        org 0x7c00
        bits 16

start:
        cli                     ; no BIOS keyboard handler: we read the controller ourselves
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        mov si, ready
.banner:
        lodsb
        test al, al
        jz .poll
        call putc
        jmp .banner

.poll:
        in al, 0x64             ; status: bit 0 = output buffer full
        test al, 1
        jz .poll
        test al, 0x20           ; bit 5 = the byte is from the mouse: skip it
        in al, 0x60
        jnz .poll
        mov ah, al
        shr al, 4
        call hex
        mov al, ah
        and al, 0x0f
        call hex
        mov al, 10
        call putc
        jmp .poll

hex:
        add al, '0'
        cmp al, '9'
        jbe putc
        add al, 'a' - '9' - 1
putc:
        push dx
        mov dx, 0x3f8
        out dx, al
        pop dx
        ret

ready:  db "READY", 10, 0

        times 510 - ($ - $$) db 0
        dw 0xaa55
