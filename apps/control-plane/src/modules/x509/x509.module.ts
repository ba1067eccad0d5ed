import { Module } from '@nestjs/common';
import { CrlController } from './crl.controller';
import { CrlService } from './crl.service';
import { X509SettingsController } from './x509-settings.controller';
import { X509SettingsService } from './x509-settings.service';

@Module({ controllers: [X509SettingsController, CrlController], providers: [X509SettingsService, CrlService], exports: [X509SettingsService, CrlService] })
export class X509Module {}
