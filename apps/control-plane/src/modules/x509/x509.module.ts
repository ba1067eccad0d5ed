import { Module } from '@nestjs/common';
import { X509SettingsController } from './x509-settings.controller';
import { X509SettingsService } from './x509-settings.service';

@Module({ controllers: [X509SettingsController], providers: [X509SettingsService], exports: [X509SettingsService] })
export class X509Module {}
