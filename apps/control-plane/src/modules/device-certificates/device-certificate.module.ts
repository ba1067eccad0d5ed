import { Module } from '@nestjs/common';
import { X509Module } from '../x509/x509.module';
import { DeviceCertificateController } from './device-certificate.controller';
import { CertificateIssueService } from './certificate-issue.service';
import { DeviceCertificateService } from './device-certificate.service';

@Module({ imports: [X509Module], controllers: [DeviceCertificateController], providers: [DeviceCertificateService, CertificateIssueService], exports: [DeviceCertificateService] })
export class DeviceCertificateModule {}
