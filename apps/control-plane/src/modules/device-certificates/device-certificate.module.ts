import { Module } from '@nestjs/common';
import { X509Module } from '../x509/x509.module';
import { DeviceCertificateController } from './device-certificate.controller';
import { DeviceCertificateService } from './device-certificate.service';

@Module({ imports: [X509Module], controllers: [DeviceCertificateController], providers: [DeviceCertificateService], exports: [DeviceCertificateService] })
export class DeviceCertificateModule {}
